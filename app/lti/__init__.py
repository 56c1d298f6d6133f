"""The LTI 1.3 tool: signing keys and JWKS, id_token validation, deep-linking responses.

Written against the IMS LTI 1.3 Core, Deep Linking 2.0 and AGS 2.0 specifications with
PyJWT + cryptography. This package imports no web code: the routes hand it what came over
the wire and what the store knows, and it answers with claims or a refusal.
"""
