"""Auditors' list of the signed audit checkpoints kept in AUDIT_CHECKPOINT_DIR."""
from typing import Any

from flask import abort, request
from flask_appbuilder import AppBuilder, BaseView, expose, has_access

from .. import audit
from ..checkpoints import Checkpoint, CheckpointError, check, stored
from ..extensions import db
from ..downloads import send_download
from ..signing import key_id, public_key_pem, signing_key
from .timefields import zone_label


class AuditCheckpointView(BaseView):
    """/audit/checkpoints/: each checkpoint, whether it is genuine, and on request whether the
    chain still extends it; the public key and the files themselves to download."""

    route_base = "/audit/checkpoints"
    class_permission_name = "AuditCheckpoint"
    method_permission_name = {"index": "read", "public_key": "read", "download": "read"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        """The list, newest first; ?check=1 also walks the chain against every checkpoint."""
        rows: list[dict[str, Any]] = []
        genuine = []
        for path in reversed(stored()):
            try:
                checkpoint = Checkpoint.load(path)
            except CheckpointError as error:
                rows.append({"name": path.name, "checkpoint": None, "problem": str(error)})
                continue
            genuine.append(checkpoint)
            rows.append({"name": path.name, "checkpoint": checkpoint, "problem": None})
        walk = None
        if request.args.get("check") and genuine:
            walk, failures = check(genuine)
            failed = {c.source: problem for c, problem in failures}
            for row in rows:
                if row["checkpoint"] is not None:
                    row["problem"] = failed.get(row["checkpoint"].source)
                    row["checked"] = True
            db.session.commit()  # end the snapshot read before the audit write queues for its turn
            audit.record(
                "audit_checkpoints_checked",
                detail={"checkpoints": len(genuine), "not_extended": len(failures),
                        "chain": walk.problems[0] if walk.problems else "intact"},
            )
            db.session.commit()
        return self.render_template(
            "audit/checkpoints.html",
            rows=rows,
            walk=walk,
            key_id=key_id(signing_key().public_key()),
            zone_label=zone_label(),
        )

    @expose("/public-key.pem")
    @has_access
    def public_key(self):
        """The PEM public key that checks every checkpoint's signature."""
        return send_download(public_key_pem().encode(), "audit-public-key.pem", mimetype="application/x-pem-file")

    @expose("/file/<name>")
    @has_access
    def download(self, name: str):
        """One checkpoint file, by its name in the list."""
        by_name = {path.name: path for path in stored()}
        if name not in by_name:
            abort(404)
        return send_download(by_name[name], name, mimetype="application/json")


def register(appbuilder: AppBuilder) -> None:
    """Add the checkpoint list under Audit."""
    appbuilder.add_view(
        AuditCheckpointView, "Audit checkpoints", icon="fa-certificate", category="Audit"
    )
