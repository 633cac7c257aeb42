"""The agent desk's pages: parse input, fetch through the queries, change
through the services, render."""
