"""What a server worker loads at start-up: the schema check without Alembic."""

import subprocess
import sys

from alembic.script import ScriptDirectory

from shared.db.schema import alembic_config, head_revision
from tests.fixtures import REPO_ROOT


def test_head_revision_is_the_one_alembic_names() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert head_revision() == script.get_current_head()


def test_serving_the_app_does_not_import_alembic() -> None:
    # Alembic costs each worker ~11 MB; the server only checks the schema version.
    check = "import sys, main; main.create_app; assert 'alembic' not in sys.modules"
    subprocess.run([sys.executable, "-c", check], cwd=REPO_ROOT, check=True)
