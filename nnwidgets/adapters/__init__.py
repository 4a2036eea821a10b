"""Optional bridges that speak the trainer protocol (for example a PyTorch model)."""
