#!/usr/bin/env python3
"""Renders a terminal capture with colours (`tmux capture-pane -e -p`) to a PNG.

Used by hand to make the README screenshot from a real terminal:

    tmux new-session -d -x 100 -y 30 -s shot 'keyfob --vault demo.age --identity id.txt'
    tmux capture-pane -t shot -e -p > shot.ans
    python3 assets/screenshot.py shot.ans assets/screenshot.png   # needs Pillow

Not part of the build or the tests.
"""
import re
import sys

from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf"
SIZE = 16
BG = (24, 26, 33)
FG = (220, 223, 228)
PALETTE = [
    (40, 42, 54), (224, 82, 82), (80, 200, 120), (230, 192, 90),
    (90, 140, 230), (190, 120, 220), (80, 190, 210), (200, 200, 200),
    (110, 110, 120), (255, 110, 110), (120, 230, 150), (250, 220, 120),
    (130, 170, 250), (220, 150, 240), (120, 220, 235), (250, 250, 250),
]


def color256(n):
    if n < 16:
        return PALETTE[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return (steps[n // 36], steps[(n // 6) % 6], steps[n % 6])
    v = 8 + (n - 232) * 10
    return (v, v, v)


def parse(text, width, height):
    cells = [[(" ", None, None, False, False, False) for _ in range(width)] for _ in range(height)]
    fg = bg = None
    bold = dim = rev = False
    for y, line in enumerate(text.split("\n")[:height]):
        x = 0
        for token in re.split(r"(\x1b\[[0-9;]*m)", line):
            if token.startswith("\x1b["):
                params = [int(p) if p else 0 for p in token[2:-1].split(";")] or [0]
                i = 0
                while i < len(params):
                    p = params[i]
                    if p == 0:
                        fg = bg = None
                        bold = dim = rev = False
                    elif p == 1:
                        bold = True
                    elif p == 2:
                        dim = True
                    elif p == 22:
                        bold = dim = False
                    elif p == 7:
                        rev = True
                    elif p == 27:
                        rev = False
                    elif 30 <= p <= 37:
                        fg = PALETTE[p - 30]
                    elif 90 <= p <= 97:
                        fg = PALETTE[p - 90 + 8]
                    elif p == 39:
                        fg = None
                    elif 40 <= p <= 47:
                        bg = PALETTE[p - 40]
                    elif 100 <= p <= 107:
                        bg = PALETTE[p - 100 + 8]
                    elif p == 49:
                        bg = None
                    elif p in (38, 48) and i + 1 < len(params):
                        if params[i + 1] == 5:
                            c = color256(params[i + 2])
                            i += 2
                        else:
                            c = tuple(params[i + 2:i + 5])
                            i += 4
                        if p == 38:
                            fg = c
                        else:
                            bg = c
                    i += 1
                continue
            for ch in token:
                if x < width:
                    cells[y][x] = (ch, fg, bg, bold, dim, rev)
                x += 1
    return cells


def main():
    src, out = sys.argv[1], sys.argv[2]
    text = open(src, encoding="utf-8").read()
    lines = text.rstrip("\n").split("\n")
    height = len(lines)
    width = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    font = ImageFont.truetype(FONT, SIZE)
    bold_font = ImageFont.truetype(BOLD, SIZE)
    cw = round(font.getlength("M"))
    ch = SIZE + 5
    pad = 14
    img = Image.new("RGB", (width * cw + 2 * pad, height * ch + 2 * pad), BG)
    draw = ImageDraw.Draw(img)
    for y, row in enumerate(parse(text, width, height)):
        for x, (glyph, fg, bg, bold, dim, rev) in enumerate(row):
            f = fg or FG
            b = bg or BG
            if dim:
                f = tuple(int(c * 0.6 + BG[i] * 0.4) for i, c in enumerate(f))
            if rev:
                f, b = b, f
            x0, y0 = pad + x * cw, pad + y * ch
            draw.rectangle([x0, y0, x0 + cw - 1, y0 + ch - 1], fill=b)
            if glyph == "█":
                draw.rectangle([x0, y0, x0 + cw - 1, y0 + ch - 1], fill=f)
            elif glyph == "▀":
                draw.rectangle([x0, y0, x0 + cw - 1, y0 + ch // 2 - 1], fill=f)
            elif glyph == "▄":
                draw.rectangle([x0, y0 + ch // 2, x0 + cw - 1, y0 + ch - 1], fill=f)
            elif glyph == "░":
                for yy in range(y0, y0 + ch, 3):
                    for xx in range(x0 + (yy // 3) % 2, x0 + cw, 3):
                        draw.point((xx, yy), fill=f)
            elif glyph != " ":
                draw.text((x0, y0 + 2), glyph, font=bold_font if bold else font, fill=f)
    img.save(out)


if __name__ == "__main__":
    main()
