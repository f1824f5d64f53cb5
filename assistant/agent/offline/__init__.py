"""The offline engine: a deterministic chat model that plans tool calls like a good model would
and writes replies from the tool results through the brand's templates."""
