{
  description = "Small composable tools for Nix-run infrastructure: QCOW2 sizes, OCI Always Free budgets, container layers, OSV checks, cloud-init seeds, Talos readiness";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";

  outputs = { self, nixpkgs }:
    let
      inherit (nixpkgs) lib;
      systems = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ];
      forAllSystems = f: lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});

      # One package and one app per tool; `scripts/check-flake-apps` checks these lists.
      tools = [ "qcow-size" "oci-budget" "closure-layers" "osv-check" "cloudinit-gen" "talos-wait" ];
      # Pipelines in scripts/ offered as apps.
      pipelines = [ "validate-images" "check-plan" "image-report" "layer-churn" "make-seeds" "wait-cluster" ];

      version = (lib.importTOML ./Cargo.toml).workspace.package.version;
      src = lib.fileset.toSource {
        root = ./.;
        fileset = lib.fileset.unions [
          ./Cargo.toml
          ./Cargo.lock
          ./.cargo
          ./shared
          ./tools
          ./tests
          ./xtask
          ./man
          ./completions
          ./examples
          ./scripts
        ];
      };

      # Oracles some tests compare against; tests whose oracle is absent say so and skip.
      checkTools = pkgs: [ pkgs.qemu-utils pkgs.jq ];

      mkTool = pkgs: tool: pkgs.rustPlatform.buildRustPackage {
        pname = tool;
        inherit version src;
        cargoLock.lockFile = ./Cargo.lock;
        cargoBuildFlags = [ "--package" tool ];
        cargoTestFlags = [ "--package" tool ];
        nativeBuildInputs = [ pkgs.installShellFiles ];
        nativeCheckInputs = checkTools pkgs;
        postInstall = ''
          installManPage man/${tool}.1
          installShellCompletion --cmd ${tool} \
            --bash completions/${tool}.bash \
            --zsh completions/_${tool} \
            --fish completions/${tool}.fish
        '';
        meta = {
          description = "${tool}, one of the infra-tools";
          mainProgram = tool;
        };
      };

      mkPipeline = pkgs: name: pkgs.writeShellApplication {
        inherit name;
        runtimeInputs = [ self.packages.${pkgs.stdenv.hostPlatform.system}.default pkgs.jq ];
        text = ''exec sh ${./scripts}/${name} "$@"'';
      };

      app = drv: name: { type = "app"; program = "${drv}/bin/${name}"; };
    in
    {
      packages = forAllSystems (pkgs:
        let each = lib.genAttrs tools (mkTool pkgs);
        in each // {
          default = pkgs.symlinkJoin {
            name = "infra-tools-${version}";
            paths = lib.attrValues each;
          };
        });

      apps = forAllSystems (pkgs:
        let packages = self.packages.${pkgs.stdenv.hostPlatform.system};
        in lib.genAttrs tools (tool: app packages.${tool} tool)
          // lib.genAttrs pipelines (name: app (mkPipeline pkgs name) name));

      checks = forAllSystems (pkgs:
        let packages = self.packages.${pkgs.stdenv.hostPlatform.system};
        in packages // {
          workspace = pkgs.rustPlatform.buildRustPackage {
            pname = "infra-tools-checks";
            inherit version src;
            cargoLock.lockFile = ./Cargo.lock;
            nativeBuildInputs = [ pkgs.clippy pkgs.rustfmt pkgs.shellcheck ];
            nativeCheckInputs = checkTools pkgs;
            postCheck = ''
              cargo fmt --all -- --check
              cargo clippy --workspace --all-targets --offline -- -D warnings
              cargo run --quiet --offline --package xtask -- man --check
              shellcheck -s sh scripts/* examples/*/demo
            '';
            installPhase = "touch $out";
          };
        });

      devShells = forAllSystems (pkgs: {
        default = pkgs.mkShell {
          packages = [
            pkgs.cargo
            pkgs.rustc
            pkgs.clippy
            pkgs.rustfmt
            pkgs.rust-analyzer
            pkgs.cargo-fuzz
            pkgs.shellcheck
            pkgs.hyperfine
          ] ++ checkTools pkgs;
        };
      });
    };
}
