# Reads the seed folder ROOT/cloud/seed/nocloud the way an instance's first boot does: NoCloud's
# datasource, then stages.Init processing the user-data (MIME, includes) and running the part
# handlers (cloud-config merging, shell scripts) into ROOT/cloud (the system's cloud.cfg is not
# read, so nothing is written outside ROOT). Prints the merged cloud-config cloud-init wrote,
# the scripts it wrote and every warning it logged. With BASE given, the user-data becomes the
# second part of a multipart whose first part is BASE (a cloud-config without merge headers),
# as when seeds are layered.
# Usage: python3 nocloud_consume.py ROOT [BASE]
import email
import json
import logging
import os
import sys
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

warnings = []


class Keep(logging.Handler):
    def emit(self, record):
        if record.levelno >= logging.WARNING:
            warnings.append(record.getMessage())


logging.getLogger().addHandler(Keep())
logging.getLogger().setLevel(logging.DEBUG)

from cloudinit import distros, helpers, stages, util  # noqa: E402
from cloudinit.sources import DataSourceNoCloud  # noqa: E402

tmp, base = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None
seed = tmp + "/cloud/seed/nocloud"
if base is not None:
    outer = MIMEMultipart()
    outer.attach(MIMEText(base, "cloud-config"))
    with open(seed + "/user-data") as f:
        outer.attach(email.message_from_string(f.read()))
    with open(seed + "/user-data", "w") as f:
        f.write(outer.as_string())
paths_cfg = {"cloud_dir": tmp + "/cloud", "run_dir": tmp + "/run"}
cfg = {
    "system_info": {"distro": "debian", "paths": paths_cfg},
    "datasource": {"NoCloud": {"fs_label": None}},
}
paths = helpers.Paths(paths_cfg)
distro = distros.fetch("debian")("debian", {}, paths)
ds = DataSourceNoCloud.DataSourceNoCloud(sys_cfg=cfg, distro=distro, paths=paths)
assert ds.get_data(), "NoCloud found no seed"
init = stages.Init(ds_deps=[])
init._read_cfg = lambda extra_fns=None: json.loads(json.dumps(cfg))
init.datasource = ds
init.initialize()
init.instancify()
init.update()
init.consume_data()
config_path = init.paths.get_ipath("cloud_config")
assert config_path.startswith(tmp + "/"), config_path
with open(config_path) as f:
    config = util.load_yaml(f.read())
script_dir = init.paths.get_ipath_cur("scripts")
scripts = {}
for name in sorted(os.listdir(script_dir)):
    path = os.path.join(script_dir, name)
    if os.path.isfile(path):
        with open(path, "rb") as f:
            scripts[name] = {
                "content": f.read().decode(),
                "mode": oct(os.stat(path).st_mode & 0o777),
            }
assert script_dir.startswith(tmp + "/"), script_dir
print(json.dumps({"config": config, "scripts": scripts, "warnings": warnings}))
