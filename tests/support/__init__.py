"""What the tests share: fixtures (loaded as pytest plugins by tests/conftest.py) and helpers.

No test imports a conftest or another test module; what two tests share lives here.
"""
