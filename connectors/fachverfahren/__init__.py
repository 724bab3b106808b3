"""Municipal back-office systems (Fachverfahren): REST/JSON today; SOAP, xdomea and file drop next."""
