# jacobian-tutor: one image that migrates its database and serves on $PORT.
# Build stage: install the package and its runtime dependencies into a virtual environment,
# at the versions pinned in requirements.lock (refreshed with `make lock`).
FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
RUN python -m venv /opt/venv
COPY pyproject.toml README.md requirements.lock ./
COPY app ./app
RUN /opt/venv/bin/pip install --no-compile -c requirements.lock .

# Runtime stage: the virtual environment, templates, static assets (vendored htmx and KaTeX)
# and the exercise bank; no compiler, no build files, a non-root user.
FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PORT=8000 \
    JTUTOR_HOME=/srv/jtutor \
    JTUTOR_PRODUCTION=true \
    DATABASE_URL=sqlite:////data/jtutor.db
RUN groupadd --system jtutor && useradd --system --gid jtutor --home-dir /srv/jtutor jtutor \
 && mkdir -p /data /srv/jtutor && chown jtutor:jtutor /data
COPY --from=build /opt/venv /opt/venv
WORKDIR /srv/jtutor
COPY templates ./templates
COPY static ./static
COPY exercises ./exercises
# The bank loader looks for exercises/ beside the installed package (site-packages/exercises);
# point that at the shipped bank so the installed package finds it as a checkout would.
RUN ln -s /srv/jtutor/exercises "$(python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/exercises" \
 && python -c "from app.bank.loader import default_bank; b = default_bank(); assert b.exercises, 'no exercises'; print(len(b.exercises), 'exercises')"
USER jtutor
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=2)"
# Production mode: the container refuses to start without a JTUTOR_SECRET_KEY of its own
# (the development key is public). `jtutor serve` applies the migrations before it listens.
CMD ["sh", "-c", "exec jtutor serve --host 0.0.0.0 --port \"${PORT}\""]
