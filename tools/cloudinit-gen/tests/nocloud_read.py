# What cloud-init's NoCloud datasource makes of a seed folder, as cloud-init's own Python reads
# it: whether it found the seed, the meta-data, the network config, the content types and
# cloud-config documents of the user-data parts, and every warning it logged.
# Usage: python3 nocloud_read.py ROOT   (the seed is ROOT/cloud/seed/nocloud)
import json
import logging
import sys

warnings = []


class Keep(logging.Handler):
    def emit(self, record):
        if record.levelno >= logging.WARNING:
            warnings.append(record.getMessage())


logging.getLogger().addHandler(Keep())
logging.getLogger().setLevel(logging.DEBUG)

from cloudinit import distros, helpers, util  # noqa: E402
from cloudinit.sources import DataSourceNoCloud  # noqa: E402

root = sys.argv[1]
paths = helpers.Paths({"cloud_dir": root + "/cloud", "run_dir": root + "/run"})
distro = distros.fetch("debian")("debian", {}, paths)
cfg = {"datasource": {"NoCloud": {"fs_label": None}}}
ds = DataSourceNoCloud.DataSourceNoCloud(sys_cfg=cfg, distro=distro, paths=paths)
found = ds.get_data()
parts = [p for p in ds.get_userdata().walk() if not p.is_multipart()]
config = [
    util.load_yaml(util.fully_decoded_payload(p))
    for p in parts
    if p.get_content_type() == "text/cloud-config"
]
print(
    json.dumps(
        {
            "found": found,
            "meta": ds.metadata,
            "network": ds.network_config,
            "types": [p.get_content_type() for p in parts],
            "config": config,
            "warnings": warnings,
        }
    )
)
