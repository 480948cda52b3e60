-- The bare app's one route.
wrk.method = "GET"
wrk.path = "/item"
