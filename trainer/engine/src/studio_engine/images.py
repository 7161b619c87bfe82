"""Load the handful of subject photos a personalization run trains on.

Users upload whatever their phone or laptop produced: JPEGs that are stored sideways with an EXIF
rotation tag, CMYK JPEGs out of print workflows, PNGs with alpha, 16-bit scans, half-uploaded
files. Every one of them must either become a correct 8-bit RGB image or fail with a typed error
(``ImageInputError.code``) whose message names the file, so the product can tell the user which
photo to replace instead of training on garbage or dying with a Pillow traceback.
"""

from __future__ import annotations

import io
import os
import threading
import warnings

import numpy as np
import torch
from PIL import Image, ImageFile, ImageOps

MIN_SIDE = 64
MAX_PIXELS = 50_000_000

_WHITE = (255, 255, 255)
# LOAD_TRUNCATED_IMAGES is a Pillow-wide global; another library may have switched it on, and we
# must not silently train on a half-grey photo. The lock keeps our temporary override consistent.
_TRUNCATED_FLAG_LOCK = threading.Lock()


class ImageInputError(Exception):
    """Bad subject image. Attributes: code (str, UPPER_SNAKE), path (str), message (str)."""

    def __init__(self, code: str, path: str, message: str):
        super().__init__(message)
        self.code = code
        self.path = path
        self.message = message

    def __reduce__(self):  # keep it picklable across worker processes despite the 3-arg __init__
        return (type(self), (self.code, self.path, self.message))

    def __str__(self) -> str:
        return self.message


def _too_large(path: str, name: str, size: tuple[int, int] | None = None) -> ImageInputError:
    dims = f" ({size[0]}x{size[1]} pixels)" if size else ""
    return ImageInputError("IMAGE_TOO_LARGE", path, f"{name} is too large{dims}; the limit is {MAX_PIXELS:,} pixels. Please upload a smaller photo.")


def _decode(path: str, name: str) -> Image.Image:
    """Fully decoded and EXIF-oriented, in whatever mode the file uses."""
    try:
        f = open(path, "rb")
    except FileNotFoundError:
        raise ImageInputError("IMAGE_NOT_FOUND", path, f"{name} was not found.") from None
    except OSError as exc:  # a directory, no permission, ...
        raise ImageInputError("IMAGE_UNREADABLE", path, f"{name} could not be read ({exc.strerror or exc}).") from None

    # Pillow only warns between its own limit and twice that; make the warning an error too.
    with f, warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            img = Image.open(f)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_large(path, name) from None
        except Image.UnidentifiedImageError:
            raise ImageInputError("IMAGE_UNREADABLE", path, f"{name} is not an image in a format we can read (use JPEG, PNG or WebP).") from None
        except Exception:  # a recognised format whose header is mangled
            raise ImageInputError("IMAGE_CORRUPT", path, f"{name} is damaged and cannot be opened.") from None

        # Header size only: decoding a 20000x20000 PNG would allocate gigabytes first.
        w, h = img.size
        if w * h > MAX_PIXELS:
            raise _too_large(path, name, (w, h))

        with _TRUNCATED_FLAG_LOCK:
            previous = ImageFile.LOAD_TRUNCATED_IMAGES
            ImageFile.LOAD_TRUNCATED_IMAGES = False
            try:
                img.verify()  # checksums (PNG CRCs) that load() alone does not look at
                f.seek(0)
                img = Image.open(f)  # verify() leaves the image unusable
                img.load()
            except (Image.DecompressionBombError, Image.DecompressionBombWarning):
                raise _too_large(path, name, (w, h)) from None
            except MemoryError:
                raise
            except Exception:  # OSError "truncated", SyntaxError, zlib/struct errors, ...
                raise ImageInputError("IMAGE_CORRUPT", path, f"{name} is damaged or incomplete (was the upload cut off?).") from None
            finally:
                ImageFile.LOAD_TRUNCATED_IMAGES = previous
        try:  # while the file is still open: some formats read EXIF lazily
            return ImageOps.exif_transpose(img)
        except Exception:
            return img  # malformed EXIF: a possibly sideways photo beats refusing a good one


def _high_bit_depth_to_rgb(img: Image.Image) -> Image.Image:
    # Pillow's own convert('L') clips 16/32-bit values at 255 instead of scaling them.
    a = np.asarray(img).astype(np.float64)
    if img.mode == "F":
        a = np.nan_to_num(a, nan=0.0, posinf=255.0, neginf=0.0)
        a = a * 255.0 if a.size and a.max() <= 1.0 else a
    elif a.size and (a.min() < 0 or a.max() > 65535):  # 32-bit data outside the 16-bit range
        lo, hi = float(a.min()), float(a.max())
        a = (a - lo) * (255.0 / (hi - lo)) if hi > lo else np.zeros_like(a)
    else:  # 16-bit samples (I;16*, and 'I' as older Pillow decoded 16-bit PNGs)
        a = a / 257.0
    return Image.fromarray(np.clip(np.rint(a), 0, 255).astype(np.uint8), "L").convert("RGB")


def _cmyk_to_rgb(img: Image.Image) -> Image.Image:
    icc = img.info.get("icc_profile")
    if icc:  # print-workflow CMYK is only right through its own profile
        try:
            from PIL import ImageCms

            src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            return ImageCms.profileToProfile(img, src, ImageCms.createProfile("sRGB"), outputMode="RGB")
        except Exception:
            pass  # a broken profile should not reject the photo; the plain conversion is close
    return img.convert("RGB")


def _to_rgb(img: Image.Image) -> Image.Image:
    mode = img.mode
    if mode == "CMYK":
        return _cmyk_to_rgb(img)
    if mode in ("I", "F") or mode.startswith("I;16"):
        return _high_bit_depth_to_rgb(img)
    if mode in ("RGBA", "LA", "La", "RGBa", "PA") or "transparency" in img.info:
        # Transparent cut-outs must land on white: over black the model learns a dark halo.
        rgba = img.convert("RGBA") if mode != "La" else img.convert("LA").convert("RGBA")
        out = Image.new("RGB", rgba.size, _WHITE)
        out.paste(rgba, mask=rgba.getchannel("A"))
        return out
    return img.convert("RGB")


def open_rgb(path: str | os.PathLike) -> Image.Image:
    """Open, verify and fully decode ``path``; apply EXIF orientation; return 8-bit RGB.

    Raises ImageInputError with code IMAGE_NOT_FOUND, IMAGE_UNREADABLE, IMAGE_CORRUPT,
    IMAGE_TOO_LARGE or IMAGE_TOO_SMALL.
    """
    path = os.fspath(path)
    name = os.path.basename(path) or path
    img = _decode(path, name)
    w, h = img.size
    if min(w, h) < MIN_SIDE:
        raise ImageInputError("IMAGE_TOO_SMALL", path, f"{name} is too small ({w}x{h} pixels); each side must be at least {MIN_SIDE} pixels.")
    return _to_rgb(img)


def resize_center_crop(img: Image.Image, resolution: int) -> Image.Image:
    """Resize so the shortest side equals ``resolution`` (Lanczos), then centre-crop a square."""
    if resolution <= 0:
        raise ValueError(f"resolution must be positive, got {resolution}")
    w, h = img.size
    scale = resolution / min(w, h)
    # max() guards rounding so the short side is exactly `resolution` and the long one never shorter.
    size = (max(resolution, round(w * scale)), max(resolution, round(h * scale)))
    if size != (w, h):
        img = img.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    left, top = (size[0] - resolution) // 2, (size[1] - resolution) // 2
    return img.crop((left, top, left + resolution, top + resolution))


def to_tensor(img: Image.Image) -> torch.Tensor:
    """float32 tensor [3, H, W] in [-1, 1], the range Stable Diffusion's VAE encoder expects."""
    if img.mode != "RGB":
        img = img.convert("RGB")
    arr = np.array(img, dtype=np.uint8)  # a writable copy: torch.from_numpy warns on read-only views
    return torch.from_numpy(arr).permute(2, 0, 1).contiguous().to(torch.float32) / 127.5 - 1.0


def load_subject_images(paths: list[str], resolution: int) -> torch.Tensor:
    """Load every path as [N, 3, resolution, resolution]; raise the first path's ImageInputError."""
    if not paths:
        raise ImageInputError("NO_IMAGES", "", "No subject images were given; upload 4 to 6 photos.")
    tensors = [to_tensor(resize_center_crop(open_rgb(p), resolution)) for p in paths]
    return torch.stack(tensors)
