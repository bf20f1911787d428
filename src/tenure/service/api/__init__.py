"""The HTTP API: typed dependencies (:mod:`.deps`) and one router per resource (:mod:`.routes`)."""
