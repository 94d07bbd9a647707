"""Names of things shown in tables and figures, shared by the modules that make them."""


def quantile_name(q: float) -> str:
    """0.05 -> 'q05', 0.5 -> 'q50', 0.975 -> 'q97.5'."""
    pct = round(100 * q, 6)
    return f"q{int(pct):02d}" if pct == int(pct) else f"q{pct:g}"
