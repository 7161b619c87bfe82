import pickle
import struct
import time
import zlib

import numpy as np
import pytest
import torch
from PIL import Image, ImageFile

from studio_engine.images import (
    MAX_PIXELS,
    MIN_SIDE,
    ImageInputError,
    load_subject_images,
    open_rgb,
    resize_center_crop,
    to_tensor,
)

RED, GREEN, BLUE, WHITE = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)


def _noise_jpeg(path, size=(200, 200)):
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)).save(path, "JPEG", quality=90)
    return path


def _png_with_header_size(path, width, height):
    """A valid small PNG whose IHDR (with a correct CRC) claims width x height."""
    Image.new("RGB", (64, 64), RED).save(path, "PNG")
    data = bytearray(path.read_bytes())
    assert data[12:16] == b"IHDR"
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])) & 0xFFFFFFFF)
    path.write_bytes(bytes(data))
    return path


def _code(path):
    with pytest.raises(ImageInputError) as info:
        open_rgb(path)
    return info.value


def _mean(img, box):
    return np.asarray(img.crop(box), dtype=np.float64).reshape(-1, 3).mean(axis=0)


# --- errors ---------------------------------------------------------------------------------------


def test_truncated_jpeg_is_corrupt_and_names_the_file(tmp_path):
    good = _noise_jpeg(tmp_path / "good.jpg")
    assert open_rgb(good).size == (200, 200)
    cut = tmp_path / "cut_in_half.jpg"
    data = good.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    err = _code(cut)
    assert err.code == "IMAGE_CORRUPT"
    assert err.path == str(cut)
    assert "cut_in_half.jpg" in err.message and "cut_in_half.jpg" in str(err)


def test_truncated_jpeg_is_refused_even_if_someone_enabled_load_truncated_images(tmp_path, monkeypatch):
    good = _noise_jpeg(tmp_path / "good.jpg")
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(good.read_bytes()[:3000])
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    assert _code(cut).code == "IMAGE_CORRUPT"
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # the caller's setting is restored


def test_png_with_corrupted_pixel_data_is_corrupt(tmp_path):
    path = tmp_path / "flipped.png"
    Image.new("RGB", (100, 100), RED).save(path, "PNG")
    data = bytearray(path.read_bytes())
    idat = data.index(b"IDAT")
    data[idat + 10] ^= 0xFF  # CRC no longer matches
    path.write_bytes(bytes(data))
    assert _code(path).code == "IMAGE_CORRUPT"


def test_png_with_only_a_bad_checksum_is_corrupt(tmp_path):
    # The pixels still decode; only verify() notices the damaged IDAT CRC.
    path = tmp_path / "bad_crc.png"
    Image.new("RGB", (100, 100), RED).save(path, "PNG")
    data = bytearray(path.read_bytes())
    idat = data.index(b"IDAT")
    (length,) = struct.unpack(">I", data[idat - 4 : idat])
    data[idat + 4 + length] ^= 0xFF
    path.write_bytes(bytes(data))
    assert _code(path).code == "IMAGE_CORRUPT"


def test_text_file_named_jpg_is_unreadable(tmp_path):
    path = tmp_path / "photo.jpg"
    path.write_text("this is not a picture\n" * 20)
    err = _code(path)
    assert err.code == "IMAGE_UNREADABLE"
    assert "photo.jpg" in err.message


def test_directory_is_unreadable_not_a_crash(tmp_path):
    (tmp_path / "folder.jpg").mkdir()
    assert _code(tmp_path / "folder.jpg").code == "IMAGE_UNREADABLE"


def test_missing_file_is_not_found(tmp_path):
    err = _code(tmp_path / "nope.png")
    assert err.code == "IMAGE_NOT_FOUND"
    assert "nope.png" in err.message


def test_one_pixel_png_is_too_small(tmp_path):
    path = tmp_path / "dot.png"
    Image.new("RGB", (1, 1), RED).save(path)
    err = _code(path)
    assert err.code == "IMAGE_TOO_SMALL"
    assert "dot.png" in err.message


def test_min_side_boundary(tmp_path):
    Image.new("RGB", (MIN_SIDE, 500), RED).save(tmp_path / "ok.png")
    Image.new("RGB", (500, MIN_SIDE - 1), RED).save(tmp_path / "thin.png")
    assert open_rgb(tmp_path / "ok.png").size == (MIN_SIDE, 500)
    assert _code(tmp_path / "thin.png").code == "IMAGE_TOO_SMALL"


@pytest.mark.parametrize("side", [20000, 8000])  # 8000^2 is above our limit but below Pillow's own
@pytest.mark.parametrize("pillow_guard", ["default", "disabled"])
def test_png_header_claiming_huge_size_is_too_large_without_decoding(tmp_path, monkeypatch, side, pillow_guard):
    assert side * side > MAX_PIXELS
    path = _png_with_header_size(tmp_path / "huge.png", side, side)
    with monkeypatch.context() as m:
        m.setattr(Image, "MAX_IMAGE_PIXELS", None)
        with Image.open(path) as probe:  # the patch is valid: Pillow sees only the claimed size
            assert probe.size == (side, side)
    if pillow_guard == "disabled":  # some other library switched Pillow's bomb check off
        monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    start = time.monotonic()
    err = _code(path)
    assert err.code == "IMAGE_TOO_LARGE"
    assert "huge.png" in err.message
    assert time.monotonic() - start < 2.0


# --- modes and orientation ------------------------------------------------------------------------


def test_cmyk_jpeg_keeps_its_colours(tmp_path):
    rgb = Image.new("RGB", (128, 96), RED)
    rgb.paste(BLUE, (64, 0, 128, 96))
    path = tmp_path / "print.jpg"
    rgb.convert("CMYK").save(path, "JPEG", quality=95)
    with Image.open(path) as raw:
        assert raw.mode == "CMYK"
    out = open_rgb(path)
    assert out.mode == "RGB" and out.size == (128, 96)
    r, g, b = _mean(out, (4, 4, 60, 92))
    assert r > 200 and g < 60 and b < 60
    r, g, b = _mean(out, (68, 4, 124, 92))
    assert r < 60 and g < 60 and b > 200


@pytest.mark.parametrize("orientation", [6, 8])
def test_exif_orientation_is_applied(tmp_path, orientation):
    # Stored pixels: 120 wide x 80 high, red band along the top 20 rows, green elsewhere.
    stored = Image.new("RGB", (120, 80), GREEN)
    stored.paste(RED, (0, 0, 120, 20))
    exif = stored.getexif()
    exif[0x0112] = orientation
    path = tmp_path / f"phone_{orientation}.jpg"
    stored.save(path, "JPEG", quality=95, exif=exif.tobytes())

    out = open_rgb(path)
    assert out.size == (80, 120)  # width and height swap
    # 6 = rotate 90 deg clockwise to display: the top edge becomes the right edge.
    # 8 = rotate 90 deg counter-clockwise: the top edge becomes the left edge.
    red_box, green_box = ((64, 4, 78, 116), (4, 4, 56, 116)) if orientation == 6 else ((2, 4, 16, 116), (24, 4, 76, 116))
    r, g, _ = _mean(out, red_box)
    assert r > 200 and g < 60
    r, g, _ = _mean(out, green_box)
    assert r < 60 and g > 200


def test_rgba_transparent_pixels_become_white(tmp_path):
    img = Image.new("RGBA", (80, 80), (0, 0, 0, 0))  # transparent *black*: must not come out black
    img.paste((255, 0, 0, 255), (0, 0, 40, 80))
    path = tmp_path / "cutout.png"
    img.save(path)
    out = np.asarray(open_rgb(path))
    assert out.shape == (80, 80, 3)
    assert (out[:, 40:] == 255).all()
    assert (out[:, :40] == RED).all()


def test_half_transparent_pixels_blend_towards_white(tmp_path):
    path = tmp_path / "half.png"
    Image.new("LA", (64, 64), (0, 128)).save(path)
    px = np.asarray(open_rgb(path))[10, 10]
    assert all(120 <= c <= 135 for c in px)


def test_16_bit_grayscale_is_scaled_not_clipped(tmp_path):
    a = np.zeros((64, 96), dtype=np.uint16)
    a[:, :32] = 65535
    a[:, 32:64] = 32768
    a[:, 64:] = 257 * 10
    path = tmp_path / "scan16.png"
    Image.fromarray(a).save(path)
    with Image.open(path) as raw:
        assert raw.mode.startswith("I")
    out = np.asarray(open_rgb(path)).astype(int)
    assert out.shape == (64, 96, 3)
    assert (out[:, :32] >= 254).all()
    assert (abs(out[:, 32:64] - 128) <= 1).all()
    assert (abs(out[:, 64:] - 10) <= 1).all()


def test_32_bit_float_in_unit_range(tmp_path):
    path = tmp_path / "float.tiff"
    Image.fromarray(np.full((64, 64), 0.5, dtype=np.float32), "F").save(path)
    out = np.asarray(open_rgb(path)).astype(int)
    assert (abs(out - 128) <= 1).all()


@pytest.mark.parametrize("transparent_index", [None, 0])
def test_palette_image(tmp_path, transparent_index):
    img = Image.new("P", (64, 64), 0)
    img.putpalette([0, 0, 0, 255, 0, 0] + [0] * (256 * 3 - 6))
    img.paste(1, (0, 0, 32, 64))
    path = tmp_path / "palette.png"
    img.save(path, **({} if transparent_index is None else {"transparency": transparent_index}))
    out = np.asarray(open_rgb(path))
    assert (out[:, :32] == RED).all()
    expected_right = (0, 0, 0) if transparent_index is None else WHITE
    assert (out[:, 32:] == expected_right).all()


@pytest.mark.parametrize("mode", ["L", "1", "YCbCr"])
def test_other_modes_become_rgb(tmp_path, mode):
    path = tmp_path / f"img_{mode}.{'jpg' if mode == 'YCbCr' else 'png'}"
    Image.new("RGB", (64, 64), WHITE).convert(mode).save(path)
    out = open_rgb(path)
    assert out.mode == "RGB"
    assert np.asarray(out).min() >= 250


# --- resize, tensor, batch ------------------------------------------------------------------------


def _banded(size, horizontal=True):
    """Green image with 50px red / blue bands on the two ends of its long axis."""
    img = Image.new("RGB", size, GREEN)
    w, h = size
    first, last = ((0, 0, 50, h), (w - 50, 0, w, h)) if horizontal else ((0, 0, w, 50), (0, h - 50, w, h))
    img.paste(RED, first)
    img.paste(BLUE, last)
    return img


@pytest.mark.parametrize("size", [(300, 200), (200, 300)])
def test_resize_center_crop_removes_both_bands(size):
    img = _banded(size, horizontal=size[0] > size[1])
    exact = np.asarray(resize_center_crop(img, 200))  # no scaling: the crop is exactly the middle
    assert exact.shape == (200, 200, 3)
    assert (exact == GREEN).all()

    small = resize_center_crop(img, 64)
    assert small.size == (64, 64)
    inner = np.asarray(small)[3:-3, 3:-3].astype(int)  # resampling blurs the outermost pixels
    assert (inner[..., 1] > 240).all() and (inner[..., 0] < 15).all() and (inner[..., 2] < 15).all()


def test_resize_center_crop_upscales_small_side():
    out = resize_center_crop(Image.new("RGB", (70, 90), RED), 128)
    assert out.size == (128, 128)


def test_to_tensor_range_and_shape():
    img = Image.new("RGB", (40, 30), (0, 0, 0))
    img.paste(WHITE, (20, 0, 40, 30))
    t = to_tensor(img)
    assert t.dtype == torch.float32 and t.shape == (3, 30, 40)
    assert torch.all(t[:, :, :20] == -1.0)
    assert torch.all(t[:, :, 20:] == 1.0)
    assert torch.allclose(to_tensor(Image.new("RGB", (2, 2), (255, 0, 0)))[:, 0, 0], torch.tensor([1.0, -1.0, -1.0]))


def test_load_subject_images_stacks_good_files(tmp_path):
    Image.new("RGB", (300, 200), RED).save(tmp_path / "a.png")
    Image.new("RGB", (100, 160), GREEN).convert("CMYK").save(tmp_path / "b.jpg")
    Image.new("RGBA", (90, 90), (0, 0, 0, 0)).save(tmp_path / "c.png")
    paths = [str(tmp_path / n) for n in ("a.png", "b.jpg", "c.png")]
    batch = load_subject_images(paths, 64)
    assert batch.shape == (3, 3, 64, 64) and batch.dtype == torch.float32
    assert batch.min() >= -1.0 and batch.max() <= 1.0
    assert torch.allclose(batch[0, :, 32, 32], torch.tensor([1.0, -1.0, -1.0]))
    assert torch.all(batch[2] == 1.0)  # transparent -> white


def test_load_subject_images_raises_first_bad_file(tmp_path):
    Image.new("RGB", (100, 100), RED).save(tmp_path / "good.png")
    (tmp_path / "notes.jpg").write_text("hello")
    Image.new("RGB", (1, 1), RED).save(tmp_path / "tiny.png")
    paths = [str(tmp_path / n) for n in ("good.png", "notes.jpg", "tiny.png")]
    with pytest.raises(ImageInputError) as info:
        load_subject_images(paths, 64)
    assert info.value.code == "IMAGE_UNREADABLE"
    assert info.value.path == paths[1]
    assert "notes.jpg" in info.value.message


def test_load_subject_images_empty_list():
    with pytest.raises(ImageInputError) as info:
        load_subject_images([], 64)
    assert info.value.code == "NO_IMAGES" and info.value.path == ""


def test_error_survives_pickling():
    err = pickle.loads(pickle.dumps(ImageInputError("IMAGE_CORRUPT", "/x/y.jpg", "y.jpg is damaged")))
    assert (err.code, err.path, err.message, str(err)) == ("IMAGE_CORRUPT", "/x/y.jpg", "y.jpg is damaged", "y.jpg is damaged")
