"""PySpark jobs of the gouvernail platform."""
