from incidents.services.lifecycle import *  # noqa: F403
