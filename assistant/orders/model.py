"""Orders as the assistant knows them, and the part of one a verified shopper may see.

`Order` is what a source returns: it keeps the email and shipping ZIP so the desk can check
ownership. `OrderView` is the only thing handed to the agent, and only after that check: no
email, no street address or ZIP, no payment details, no customer ids.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

OrderStatus = Literal[
    "pending",  # placed, not yet processed (payment pending or awaiting confirmation)
    "processed",  # confirmed and being prepared; nothing has shipped yet
    "partially_shipped",  # some items shipped, others still to come
    "shipped",  # everything shipped (Shopify "fulfilled"), not yet known delivered
    "delivered",
    "cancelled",
    "returned",  # returned or return requested / refunded after shipping
    "exchanged",  # exchanged or exchange requested
]
ORDER_STATUSES: tuple[OrderStatus, ...] = (
    "pending",
    "processed",
    "partially_shipped",
    "shipped",
    "delivered",
    "cancelled",
    "returned",
    "exchanged",
)


class OrderItem(BaseModel):
    """One line of an order."""

    model_config = ConfigDict(frozen=True)

    title: str
    quantity: int = Field(default=1, ge=1)
    price: Decimal = Field(description="unit price")
    options: dict[str, str] = Field(default_factory=dict)
    product_id: str | None = None
    variant_id: str | None = None


class Shipment(BaseModel):
    """A parcel on its way: tracking numbers, carrier and link when the source knows them."""

    model_config = ConfigDict(frozen=True)

    tracking_numbers: list[str] = Field(default_factory=list)
    carrier: str | None = None
    tracking_urls: list[str] = Field(default_factory=list)
    status: str | None = Field(default=None, description="e.g. in_transit, delivered")
    variant_ids: list[str] = Field(default_factory=list, description="items in this parcel")


class Order(BaseModel):
    """An order from a source. `email` and `zip` are for verification and never shown."""

    model_config = ConfigDict(frozen=True)

    id: str
    status: OrderStatus
    source_status: str | None = Field(default=None, description="the platform's own wording")
    placed_at: datetime | None = None
    items: list[OrderItem] = Field(default_factory=list)
    shipments: list[Shipment] = Field(default_factory=list)
    currency: str = "USD"
    total: Decimal | None = None
    email: str | None = Field(default=None, repr=False)
    zip: str | None = Field(default=None, repr=False)
    city: str | None = None
    state: str | None = None
    country: str | None = None

    def view(self) -> OrderView:
        """What the shopper may see once they have proved the order is theirs."""
        return OrderView(
            id=self.id,
            status=self.status,
            source_status=self.source_status,
            placed_at=self.placed_at,
            items=list(self.items),
            shipments=list(self.shipments),
            currency=self.currency,
            total=self.total,
            ship_to_city=self.city,
            ship_to_state=self.state,
            ship_to_country=self.country,
        )


class OrderView(BaseModel):
    """A verified order as the agent sees it: status, items, parcels, total, destination town."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    status: OrderStatus
    source_status: str | None = None
    placed_at: datetime | None = None
    items: list[OrderItem]
    shipments: list[Shipment]
    currency: str
    total: Decimal | None = None
    ship_to_city: str | None = None
    ship_to_state: str | None = None
    ship_to_country: str | None = None
