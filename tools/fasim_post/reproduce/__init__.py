"""The paper reproduction behind scripts/reproduce-paper and the fasim-reproduce console script: the run plan
(plan), launching and collecting (launch), the claims (claims), the figures (figures), the report (report)."""
