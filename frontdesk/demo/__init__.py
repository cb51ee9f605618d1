"""The demo workspaces that `frontdesk seed-demo` builds and `make run` signs you into."""

DEMO_PASSWORD = "frontdesk-demo"  # noqa: S105 - a published demo login, never a real one
DEMO_AGENT_EMAIL = "agent@frontdesk.demo"
DEMO_ADMIN_EMAIL = "admin@frontdesk.demo"
DEMO_WORKSPACE_SLUGS = ("skyward-airlines", "harbour-shop")
