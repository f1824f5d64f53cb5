"""What tools receive at run time: the shop's dependencies, injected, never global."""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.brand import PromptSet
from assistant.checkout import CheckoutBuilder
from assistant.messages import Channel
from assistant.orders import OrderDesk
from assistant.retrieval.index import CatalogIndex


@dataclass
class ShopContext:
    """One conversation's view of the shop, passed to every tool through `ToolRuntime`."""

    catalog: CatalogIndex
    checkout: CheckoutBuilder
    orders: OrderDesk | None
    prompts: PromptSet
    channel: Channel = "web"
    conversation_id: str = ""
    handoff_reasons: list[str] = field(default_factory=list)
    # Who asks, for the order lookup limits (`orders.requester_key`): the web client's address
    # or the channel's sender; empty means this conversation alone.
    requester: str = ""
    # A failed order lookup this turn came without the offer of a person: no handoff for it.
    lookup_refused: bool = False
