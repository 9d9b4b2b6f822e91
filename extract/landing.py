"""The dlt destination the raw tables land through: dlt's postgres, with a faithful CSV COPY.

dlt's own postgres CSV job adds ``FORCE_NULL`` for every nullable column, which turns a quoted empty string into NULL.
4D sends ``""`` for empty Alpha fields all the time, and the raw layer must keep ``""`` and ``null`` apart. This job
COPYs the same CSV file dlt wrote (Arrow's writer quotes ``""`` and leaves null unquoted) without ``FORCE_NULL``, so
an unquoted empty field is NULL and a quoted one is the empty string, exactly as PostgreSQL's CSV format defines.

The factory registers under the destination name ``postgres``, so dlt's CLI (``dlt pipeline legacy_4d info|trace|
drop``) reads the usual ``DESTINATION__POSTGRES__CREDENTIALS__*`` variables that ``pyerp-sync env`` exports.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from dlt.common.storages.file_storage import FileStorage
from dlt.destinations.impl.postgres.factory import postgres
from dlt.destinations.impl.postgres.postgres import PostgresClient, PostgresCsvCopyJob

COPY_BUFFER_BYTES = 1 << 20


class FaithfulCsvCopyJob(PostgresCsvCopyJob):
    """COPY a dlt CSV file (with header) into its table, keeping ``""`` distinct from NULL."""

    def run(self) -> None:
        sql_client = self._job_client.sql_client
        with FileStorage.open_zipsafe_ro(self._file_path, "rb") as handle:
            header = next(csv.reader(io.StringIO(handle.readline().decode("utf-8"))))
            handle.seek(0)
            columns = ",".join(sql_client.escape_column_name(name, quote=True) for name in header)
            table = sql_client.make_qualified_table_name(self.load_table_name)
            copy_sql = f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT CSV, HEADER true, NULL '', ENCODING 'utf-8')"
            with sql_client.begin_transaction(), sql_client.native_connection.cursor() as cursor:
                cursor.copy_expert(copy_sql, handle, size=COPY_BUFFER_BYTES)


class RawPostgresClient(PostgresClient):
    def create_load_job(self, table: Any, file_path: str, load_id: str, restore: bool = False) -> Any:
        job = super().create_load_job(table, file_path, load_id, restore)
        if isinstance(job, PostgresCsvCopyJob):
            return FaithfulCsvCopyJob(file_path)
        return job


class raw_postgres(postgres):
    """dlt's postgres destination with ``FaithfulCsvCopyJob`` for CSV files."""

    @property
    def client_class(self) -> type[PostgresClient]:
        return RawPostgresClient


def raw_destination(credentials: dict[str, object]) -> raw_postgres:
    return raw_postgres(credentials=credentials, destination_name="postgres")
