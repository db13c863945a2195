"""The wizard: Qt pages that render the core's state and forward intent."""
