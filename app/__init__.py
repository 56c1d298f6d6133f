"""jacobian-tutor: an interactive, self-hosted web tutor for matrix derivatives."""

__version__ = "0.1.0"
