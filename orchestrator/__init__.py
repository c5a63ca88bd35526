"""The spec's import path for configuration (`orchestrator.config_loader`)."""
