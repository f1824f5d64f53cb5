"""Fakes shipped beside the interfaces they stand in for, usable by our tests and by yours."""
