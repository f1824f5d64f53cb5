"""The human desk: handoff tickets, their lifecycle, team routing, the agent console's
operations and the external helpdesk webhook. The API and CLI call it; it calls the store."""
