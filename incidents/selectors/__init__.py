from incidents.selectors.dashboard import *  # noqa: F403
from incidents.selectors.dashboard import _LIVE_STATE_SQL  # noqa: F401
