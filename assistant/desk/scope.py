"""What a desk agent may see: a conversation handed off to their team (by its latest ticket)
or one they own. Admins see conversations handed off to any team. A conversation never handed
off is nobody's business at the desk: the console neither shows nor announces it, and a
conversation an agent may not see answers as if it did not exist."""

from __future__ import annotations

from assistant.desk.desk import Actor as Viewer  # an agent, as far as seeing goes
from assistant.store.desk_models import HandoffTicket
from assistant.store.models import ConversationRow


def may_see(agent: Viewer, ticket: HandoffTicket | None, conversation: ConversationRow) -> bool:
    """Whether `agent` may see `conversation`, whose latest ticket is `ticket`."""
    if conversation.assigned_agent == agent.username:
        return True
    if ticket is None:
        return False
    return agent.is_admin or ticket.team == agent.team


def team_seen(agent: Viewer) -> str | None:
    """The team whose handed-off conversations `agent` sees; None: every team's (admins)."""
    return None if agent.is_admin else agent.team
