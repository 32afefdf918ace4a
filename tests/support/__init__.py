"""Test helpers: the fake provider server and what fixtures need."""
