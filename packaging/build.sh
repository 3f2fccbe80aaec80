#!/usr/bin/env bash
# Builds the installable packages from an already compiled tree (run `npm run build` first):
#   out/cassandra-extractor_<version>_<deb arch>.deb     (dpkg-deb)
#   out/cassandra-extractor-<version>.<rpm arch>.rpm     (rpmbuild, no compilation)
# The version comes from package.json. Both packages hold the same staged tree:
#   /usr/lib/cassandra-extractor/{dist,node_modules (production only),package.json,bin}
#   /usr/bin/cassandra-extractor -> ../lib/cassandra-extractor/bin/cassandra-extractor.js
#   /etc/cassandra-extractor/agent-settings.example.yaml
#   /usr/share/doc/cassandra-extractor/configuration.md
#   the systemd unit (/lib/systemd/system in the .deb, %{_unitdir} in the .rpm)
# node_modules holds N-API addons built for this machine, so the packages are for its architecture.
# Payloads are gzip: every dpkg and rpm reads it, and xz took ~50 s on this tree for 40 % less size.
#
# Environment: OUT_DIR (default <project>/out), PACKAGE_FORMATS (default "deb rpm").
# Needs: node, npm, tar, dpkg-deb (for deb), rpmbuild (for rpm). Works offline.
set -euo pipefail

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
OUT_DIR=${OUT_DIR:-"$ROOT/out"}
FORMATS=${PACKAGE_FORMATS:-"deb rpm"}
NAME=cassandra-extractor

die() { echo "build.sh: $*" >&2; exit 1; }

VERSION=$(node -p 'require(process.argv[1]).version' "$ROOT/package.json")
[[ $VERSION =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.+-]+)?$ ]] || die "package.json version '$VERSION' is not semver"
# A semver pre-release (1.2.0-rc.1) must sort before the release in dpkg and rpm: '-' becomes '~'.
PKG_VERSION=${VERSION/-/\~}
PKG_VERSION=${PKG_VERSION//+/.}

case "$(uname -m)" in
  x86_64) DEB_ARCH=amd64; RPM_ARCH=x86_64 ;;
  aarch64) DEB_ARCH=arm64; RPM_ARCH=aarch64 ;;
  *) die "unsupported architecture $(uname -m)" ;;
esac

[[ -f "$ROOT/dist/main.js" ]] || die "dist/main.js is missing; run 'npm run build' first"
# The launcher runs dist/bundle/ only when it is at least as new as dist/main.js
# (bin/cassandra-extractor.js), and dist/ itself otherwise: the same code, only slower to start.
[[ -f "$ROOT/dist/bundle/main.js" && ! "$ROOT/dist/main.js" -nt "$ROOT/dist/bundle/main.js" ]] \
  || echo "build.sh: warning: dist/bundle/ is missing or older than dist/ (run 'npm run build'); the package will run dist/ itself" >&2
[[ -d "$ROOT/node_modules" ]] || die "node_modules is missing; run 'npm ci' first"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/$NAME-pkg.XXXXXX")
trap 'rm -rf -- "$WORK"' EXIT
mkdir -p -- "$OUT_DIR"

# --- Stage the tree shared by both packages -----------------------------------------------------
STAGE="$WORK/stage"
APP="$STAGE/usr/lib/$NAME"
mkdir -p -- "$APP" "$STAGE/usr/bin" "$STAGE/etc/$NAME" "$STAGE/usr/share/doc/$NAME"
cp -a -- "$ROOT/dist" "$APP/dist"
cp -a -- "$ROOT/bin" "$APP/bin"
cp -- "$ROOT/package.json" "$ROOT/package-lock.json" "$APP/"
# Production dependencies only: `npm ls` names the production tree (and fails on a broken one).
# Only those packages are copied, not the dev tools; `npm prune` is not used because, with the
# dev packages absent, it wants the registry to resolve them.
(cd -- "$ROOT" && npm ls --omit=dev --all --parseable) > "$WORK/npm-ls.txt"
while IFS= read -r dir; do
  [[ $dir == "$ROOT"/node_modules/* ]] && printf '%s\n' "${dir#"$ROOT"/}"
done < "$WORK/npm-ls.txt" | LC_ALL=C sort > "$WORK/production-all.txt"
grep -E '^node_modules/(@[^/]+/)?[^/]+$' "$WORK/production-all.txt" > "$WORK/production-top.txt" \
  || die "npm ls listed no production dependencies"
# Type declarations and source maps are never loaded at run time; leaving them out halves the file count.
tar -C "$ROOT" --exclude='*.d.ts' --exclude='*.d.mts' --exclude='*.d.cts' --exclude='*.map' \
  --verbatim-files-from -T "$WORK/production-top.txt" -cf - | tar -C "$APP" -xf -
# A production package may carry dev-only packages in its own node_modules: drop those.
shopt -s nullglob
mapfile -d '' nested < <(find "$APP/node_modules" -mindepth 2 -type d -name node_modules -print0)
for nm in "${nested[@]}"; do
  for pkg in "$nm"/[!@.]* "$nm"/@*/*; do
    [[ -d $pkg ]] || continue
    grep -qxF -- "${pkg#"$APP"/}" "$WORK/production-all.txt" || rm -rf -- "$pkg"
  done
done
shopt -u nullglob
rm -rf -- "$APP/node_modules/.cache"
ln -s "../lib/$NAME/bin/$NAME.js" "$STAGE/usr/bin/$NAME"
install -m 0644 -- "$ROOT/config/agent-settings.example.yaml" "$STAGE/etc/$NAME/agent-settings.example.yaml"
install -m 0644 -- "$ROOT/docs/configuration.md" "$STAGE/usr/share/doc/$NAME/configuration.md"
# Independent of the builder's umask: directories 0755, files 0644, executables keep 0755.
chmod -R u+rwX,go+rX,go-w -- "$STAGE"
chmod 0755 -- "$APP/bin/$NAME.js"

build_deb() {
  local root="$WORK/deb" deb="$OUT_DIR/${NAME}_${PKG_VERSION}_${DEB_ARCH}.deb"
  cp -al -- "$STAGE" "$root"
  install -D -m 0644 -- "$ROOT/systemd/$NAME.service" "$root/lib/systemd/system/$NAME.service"
  install -d -m 0755 -- "$root/DEBIAN"
  local size
  size=$(du -sk --exclude=DEBIAN -- "$root" | cut -f1)
  sed -e "s/@VERSION@/$PKG_VERSION/" -e "s/@ARCH@/$DEB_ARCH/" -e "s/@INSTALLED_SIZE@/$size/" \
    -- "$ROOT/packaging/deb/DEBIAN/control" > "$root/DEBIAN/control"
  install -m 0644 -- "$ROOT/packaging/deb/DEBIAN/conffiles" "$root/DEBIAN/conffiles"
  local script
  for script in postinst prerm postrm; do
    install -m 0755 -- "$ROOT/packaging/deb/DEBIAN/$script" "$root/DEBIAN/$script"
  done
  dpkg-deb --build --root-owner-group -Zgzip -z9 -- "$root" "$deb" >/dev/null
  echo "$deb"
}

build_rpm() {
  local top="$WORK/rpmbuild"
  mkdir -p -- "$top"/{BUILD,BUILDROOT,RPMS,SOURCES,SPECS,SRPMS}
  # %%{...} reaches rpm as %{...}: the file name is a query format filled in per package.
  rpmbuild -bb --quiet --nodeps --target "$RPM_ARCH" \
    --define "_topdir $top" \
    --define "_rpmdir $OUT_DIR" \
    --define "_build_name_fmt %%{NAME}-%%{VERSION}.%%{ARCH}.rpm" \
    --define "_binary_payload w9.gzdio" \
    --define "pkg_version $PKG_VERSION" \
    --define "stage_dir $STAGE" \
    --define "unit_file $ROOT/systemd/$NAME.service" \
    -- "$ROOT/packaging/rpm/$NAME.spec" >/dev/null
  local rpm="$OUT_DIR/$NAME-$PKG_VERSION.$RPM_ARCH.rpm"
  [[ -f "$rpm" ]] || die "rpmbuild did not produce $rpm"
  echo "$rpm"
}

for format in $FORMATS; do
  case "$format" in
    deb) command -v dpkg-deb >/dev/null || die "dpkg-deb not found"; build_deb ;;
    rpm) command -v rpmbuild >/dev/null || die "rpmbuild not found"; build_rpm ;;
    *) die "unknown package format '$format' (expected deb or rpm)" ;;
  esac
done
