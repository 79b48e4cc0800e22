"""Writing an ended session into its helpdesk ticket: the note, the vendors' calls, the
outbox that keeps each note until it is written, and the courier that delivers them."""
