from runtime.migrations import run_env
from services.triage.adapters.orm import metadata

run_env(metadata)
