from incidents.models.incident import *  # noqa: F403
from incidents.models.incident import token_digest  # noqa: F401
