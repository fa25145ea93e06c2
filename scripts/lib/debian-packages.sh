# Sourced by the setup scripts: installs the Debian packages that are missing, once.
#   install_missing_debian_packages TAG PACKAGE...
# TAG starts each line it prints ("setup", "setup-browser"). Without root it names what is
# missing and exits 1; an install that fails says so in one line and exits 1.
install_missing_debian_packages() {
    local tag=$1 package
    shift
    local missing=()
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    ((${#missing[@]})) || return 0
    if [[ $(id -u) -ne 0 ]]; then
        echo "$tag: missing Debian packages: ${missing[*]}; run as root (sudo $0) to install them" >&2
        exit 1
    fi
    echo "$tag: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # Another apt-get (a parallel setup) holds the lock for a while: wait for it rather than fail.
    if ! { apt-get -o DPkg::Lock::Timeout=600 update -qq && apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }; then
        echo "$tag: could not install ${missing[*]} from Debian's archive" >&2
        exit 1
    fi
}
