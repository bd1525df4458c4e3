"""Settings: ``base`` (everything), ``local`` (make portal / demo: key kept in the data folder),
``production`` (refuses to start without ``ESF_PORTAL_SECRET_KEY``), ``test``."""
