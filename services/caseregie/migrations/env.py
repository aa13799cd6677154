from runtime.migrations import run_env
from services.caseregie.adapters.orm import metadata

run_env(metadata)
