"use strict";
// Featured products from /api/featured; all text goes through textContent.
document.addEventListener("DOMContentLoaded", async () => {
  const money = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });
  const chat = () => window.Concierge;
  const placeholder = (title) => (chat() ? chat().placeholder(title, 160) : "");
  document.getElementById("ask").addEventListener("click", () => chat() && chat().open());
  const grid = document.querySelector(".grid");
  let products = [];
  try {
    const response = await fetch("/api/featured");
    if (response.ok) products = await response.json();
  } catch (err) { /* the page still works without the grid */ }
  for (const p of products) {
    const tile = document.getElementById("tile").content.firstElementChild.cloneNode(true);
    tile.dataset.productId = p.product_id;
    const img = tile.querySelector("img");
    img.onerror = () => { img.onerror = null; img.src = placeholder(p.title); };
    img.src = p.image || placeholder(p.title);
    tile.querySelector(".category").textContent = p.category;
    tile.querySelector(".name").textContent = p.title;
    tile.querySelector(".now").textContent = money.format(Number(p.price));
    const was = tile.querySelector(".was");
    if (p.compare_at_price) was.textContent = money.format(Number(p.compare_at_price));
    else was.remove();
    const ask = tile.querySelector(".ask");
    ask.setAttribute("aria-label", "Ask Juniper about the " + p.title);
    ask.addEventListener("click", () => chat() && chat().ask("Tell me about the " + p.title));
    grid.append(tile);
  }
});
