# One image for all five services. Pick the service with SERVICE, or give the command:
#   docker run -e SERVICE=triage jbketen
#   docker run jbketen python -m services.triage
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HOST=0.0.0.0

# The dependencies first, in a layer of their own that survives changes to the code.
COPY pyproject.toml /tmp/jbketen/
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('/tmp/jbketen/pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
 && pip install -r /tmp/requirements.txt \
 && rm /tmp/requirements.txt

# Then the project itself (migrations, contracts and rule sets are package data).
COPY runtime /tmp/jbketen/runtime
COPY contracts /tmp/jbketen/contracts
COPY services /tmp/jbketen/services
COPY deploy /tmp/jbketen/deploy
RUN pip install --no-deps /tmp/jbketen && rm -rf /tmp/jbketen

RUN useradd --create-home --uid 10001 --user-group jbketen
USER 10001
WORKDIR /home/jbketen

# Default ports: intake 8001, triage 8002, caseregie 8003, capacity 8004, reporting 8005.
EXPOSE 8001 8002 8003 8004 8005
CMD ["sh", "-c", "exec python -m \"services.${SERVICE:?set SERVICE to intake, triage, caseregie, capacity or reporting}\""]
