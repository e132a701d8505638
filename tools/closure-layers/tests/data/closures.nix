# Small closures built from raw derivations (no nixpkgs): each output writes its name, some
# padding to give it a size, and the store paths it depends on, so that Nix records the
# references. `graphs.<name>` is the exportReferencesGraph of one image's closure.
let
  system = builtins.currentSystem;
  mk = name: size: deps: derivation {
    inherit name system;
    builder = "/bin/sh";
    args = [
      "-c"
      ''
        {
          printf '%s\n' ${name}
          i=0
          while [ "$i" -lt ${toString size} ]; do printf '%s\n' 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde; i=$((i + 1)); done
          ${builtins.concatStringsSep "\n" (map (d: "printf '%s\\n' ${d}") deps)}
        } > "$out"
      ''
    ];
  };
  graphOf = name: root: derivation {
    name = "${name}-graph";
    inherit system;
    builder = "/bin/bash";
    __structuredAttrs = true;
    exportReferencesGraph.graph = [ root ];
    args = [ "-c" "source .attrs.sh; while IFS= read -r l || [ -n \"$l\" ]; do printf '%s\\n' \"$l\"; done < .attrs.json > \"\${outputs[out]}\"" ];
  };

  libc = mk "libc-2.40" 400 [ ];
  zlib = mk "zlib-1.3" 40 [ libc ];
  openssl = mk "openssl-3.0" 200 [ libc zlib ];
  ncurses = mk "ncurses-6.4" 60 [ libc ];
  bash = mk "bash-5.2" 120 [ libc ncurses ];
  python = mk "python3-3.12" 900 [ libc zlib openssl ncurses ];
  tzdata = mk "tzdata-2024a" 80 [ ];
  certs = mk "cacert-3.98" 30 [ ];
  requests = mk "python3-requests-2.31" 50 [ python certs ];
  app1 = mk "webapp-1.0" 70 [ python requests bash tzdata ];
  app2 = mk "webapp-1.1" 72 [ python requests bash tzdata ];
  worker = mk "worker-0.3" 20 [ python openssl bash ];
  entry = app: mk "entrypoint" 2 [ app bash ];
in
{
  webapp-1_0 = graphOf "webapp-1.0" (entry app1);
  webapp-1_1 = graphOf "webapp-1.1" (entry app2);
  worker = graphOf "worker" (entry worker);
  roots = { inherit app1 app2 worker; webapp-1_0 = entry app1; };
}
