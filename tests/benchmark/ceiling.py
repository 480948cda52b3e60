"""The ceiling: a bare FastAPI app with one GET route returning a small pydantic model.

Served with the same server settings and worker count as the service, it is the most a
route can do on this machine with this framework; the benchmark reports each workload as a
fraction of it.
"""

from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()


class Item(BaseModel):
    id: int
    name: str
    active: bool


@app.get("/item")
async def read_item() -> Item:
    return Item(id=1, name="ceiling", active=True)
