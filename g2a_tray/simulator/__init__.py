"""A local stand-in for GoToAssist's attended-session flow, for demos and tests.

It is faithful to what is documented (shared/reference): the browser call and its
parameters, the 302 to a launcher page, one POST to ``sessionStatusCallbackUrl`` when the
customer joins and one when the session ends, none when the session never starts, and
``GET /sessions/{id}``. Qt-free; it runs in ``g2a-tray simulate`` and in the demo.
"""
