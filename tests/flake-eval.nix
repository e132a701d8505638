# Evaluates flake.nix's outputs against a stand-in for nixpkgs whose builders return what they
# were given, then checks every package, app, check and shell: the names, the programs the
# apps run, and the manual pages, completions and scripts the packages install. Evaluates to
# true, or fails naming what is wrong. Run by scripts/check-flake-apps.
let
  flake = import ../flake.nix;
  systems = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ];
  # Every folder under tools/ is a tool the flake must package.
  toolDirs = builtins.readDir ../tools;
  tools = builtins.filter (name: toolDirs.${name} == "directory") (builtins.attrNames toolDirs);
  pipelines = [ "validate-images" "check-plan" "image-report" "layer-churn" "make-seeds" "wait-cluster" ];

  lib = {
    genAttrs = names: f: builtins.listToAttrs (map (name: { inherit name; value = f name; }) names);
    importTOML = path: builtins.fromTOML (builtins.readFile path);
    attrValues = builtins.attrValues;
    fileset = {
      unions = paths: paths;
      toSource = { root, fileset }: assert builtins.all builtins.pathExists fileset; root;
    };
  };
  # A derivation stand-in: its arguments, and a store path named after it.
  builder = kind: args: args // { inherit kind; outPath = "/nix/store/stub-${args.pname or args.name}"; };
  pkgsFor = system: {
    stdenv.hostPlatform.system = system;
    rustPlatform.buildRustPackage = builder "rust";
    symlinkJoin = builder "join";
    writeShellApplication = builder "shell-application";
    mkShell = builder "shell";
  } // lib.genAttrs [ "installShellFiles" "qemu-utils" "jq" "cargo" "rustc" "clippy" "rustfmt"
    "rust-analyzer" "cargo-fuzz" "shellcheck" "hyperfine" ] (name: "/nix/store/stub-${name}");
  nixpkgs = { inherit lib; legacyPackages = lib.genAttrs systems pkgsFor; };
  out = flake.outputs { self = out; inherit nixpkgs; };

  sameNames = what: attrs: names:
    let have = builtins.attrNames attrs; want = builtins.sort builtins.lessThan names;
    in have == want || throw "flake.nix: ${what} are ${toString have}, expected ${toString want}";
  contains = what: needle: haystack:
    builtins.match ".*${needle}.*" haystack != null || throw "flake.nix: ${what} lacks ${needle}";
  exists = what: path: builtins.pathExists path || throw "flake.nix: ${what}: ${toString path} is missing";

  toolPackage = system: tool:
    let p = out.packages.${system}.${tool}; in
    p.pname == tool
    && p.meta.mainProgram == tool
    && builtins.elem tool p.cargoBuildFlags
    && exists "${tool} manual page" (../man + "/${tool}.1")
    && contains "${tool} postInstall" "man/${tool}\\.1" p.postInstall
    && builtins.all (file: exists "${tool} completion" (../completions + "/${file}")
      && contains "${tool} postInstall" "completions/${file}" p.postInstall)
      [ "${tool}.bash" "_${tool}" "${tool}.fish" ]
    || throw "flake.nix: packages.${system}.${tool} is not the ${tool} package";

  app = system: name:
    let a = out.apps.${system}.${name}; in
    a.type == "app"
    && (a.program == "/nix/store/stub-${name}/bin/${name}"
      || throw "flake.nix: apps.${system}.${name} runs ${a.program}");

  perSystem = system:
    sameNames "packages.${system}" out.packages.${system} (tools ++ [ "default" ])
    && sameNames "apps.${system}" out.apps.${system} (tools ++ pipelines)
    && sameNames "devShells.${system}" out.devShells.${system} [ "default" ]
    && builtins.all (toolPackage system) tools
    && builtins.length out.packages.${system}.default.paths == builtins.length tools
    && builtins.all (app system) tools
    && builtins.all (name: app system name && exists "app ${name}" (../scripts + "/${name}")) pipelines
    && out.checks.${system} ? workspace
    && builtins.all (tool: out.checks.${system} ? ${tool}) tools;
in
builtins.all perSystem systems
