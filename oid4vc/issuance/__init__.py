"""Pure OpenID4VCI 1.0 cores: one module per message or concept."""
