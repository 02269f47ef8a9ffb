"""The sync protocol: devices send batches of immutable records; the server answers per record."""
