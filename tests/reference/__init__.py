"""Independent, deliberately naive re-implementations used as test oracles.

Nothing here may import the code it checks (``salespulse.kpis``), so a bug in the
streaming engine shows up as a difference instead of being reproduced.
"""
