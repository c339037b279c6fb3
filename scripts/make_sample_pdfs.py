"""Generate the sample PDF collection in ``data/``.

Writes three small, topically distinct documents that the demo, the end-to-end tests and the
retrieval checks use:

* ``data/tidal-energy-primer.pdf`` ("A Primer on Tidal Energy", 4 pages)
* ``data/urban-beekeeping-guide.pdf`` ("Urban Beekeeping Guide", 3 pages)
* ``data/sourdough-baking-notes.pdf`` ("Sourdough Baking Notes", 4 pages)

All prose is original and every named place or installation in it (the Larnmouth barrage, the
Corran Sound array, the Halvorsen Library apiary) is fictional. Each page carries at least one
distinctive fact; ``data/README.md`` lists them per page so tests can check that a citation
points at the right page. The last paragraph of page 2 of the tidal energy primer deliberately
starts at the bottom of page 2 and finishes at the top of page 3, so one sentence spans a page
break.

The output is deterministic: the creation date is fixed and nothing depends on the clock or on
randomness. Only latin-1 text is used, because the built-in PDF fonts cannot encode anything
else.

Usage::

    .venv/bin/python scripts/make_sample_pdfs.py [OUTPUT_DIR]

OUTPUT_DIR defaults to ``data/`` at the repository root.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from fpdf import FPDF

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT_DIR = REPO_ROOT / "data"

# Fixed so that re-running the script produces byte-identical files.
CREATION_DATE = datetime(2024, 1, 1, tzinfo=timezone.utc)

BODY_FONT_SIZE = 11
LINE_HEIGHT = 6
HEADING_FONT_SIZE = 16
PARAGRAPH_GAP = 3
# How many body lines of the flowing paragraph should land on the earlier page.
FLOW_LINES_BEFORE_BREAK = 3


@dataclass(frozen=True)
class Page:
    """One page of a sample document.

    ``facts`` are exact substrings of the page's paragraphs that must end up on this page of
    the PDF. If ``flows_over`` is True, the last paragraph is started near the bottom of the
    page so that it continues on the next page; the next page then starts with the end of
    that paragraph, followed by its own heading.
    """

    heading: str
    paragraphs: tuple[str, ...]
    facts: tuple[str, ...]
    flows_over: bool = False


@dataclass(frozen=True)
class Document:
    """A sample document: output file name, PDF title metadata and its pages."""

    filename: str
    title: str
    pages: tuple[Page, ...] = field(default_factory=tuple)


TIDAL = Document(
    filename="tidal-energy-primer.pdf",
    title="A Primer on Tidal Energy",
    pages=(
        Page(
            heading="1. What Tidal Energy Is",
            paragraphs=(
                "Tidal energy is power drawn from the regular rise and fall of the sea. The "
                "tides are raised mainly by the gravitational pull of the Moon, with a smaller "
                "contribution from the Sun, acting on the oceans as the Earth turns beneath "
                "them. Because these motions follow the orbits of bodies in space, the timing "
                "and height of every tide can be predicted years in advance, which sets tidal "
                "power apart from wind and solar generation.",
                "Most coastlines experience two high tides and two low tides in a lunar day of "
                "24 hours and 50 minutes. This is why high water arrives about fifty minutes "
                "later each day. The difference in height between high and low water is called "
                "the tidal range, and it varies enormously from place to place. Open ocean "
                "coasts may see a range of less than a metre, while funnel-shaped bays and "
                "estuaries can concentrate the incoming water into a range of ten metres or "
                "more.",
                "Engineers are interested in two forms of the energy that the tides carry. The "
                "first is potential energy, stored when water is held back at a high level and "
                "later released through turbines. The second is kinetic energy, found in the "
                "fast currents that race through narrow channels between islands and "
                "headlands. Each form calls for a different kind of machine, and the next pages "
                "describe both in turn.",
            ),
            facts=("24 hours and 50 minutes",),
        ),
        Page(
            heading="2. Barrages and Tidal Lagoons",
            paragraphs=(
                "A tidal barrage is a low dam built across the mouth of an estuary. Sluice "
                "gates in the barrage open as the tide comes in, letting the basin behind the "
                "wall fill up. When the tide turns, the gates close and the water is trapped. "
                "Once the sea outside has fallen far enough, the stored water is released "
                "through turbines set into the base of the structure, and electricity is "
                "generated until the levels on either side are nearly equal again.",
                "The Larnmouth tidal barrage, a fictional scheme used throughout this primer as "
                "a worked example, stretches 3.2 kilometres across the Larn estuary and holds "
                "28 bulb turbines. The Larnmouth tidal barrage produces 240 megawatts at peak, "
                "although its average output across a full spring and neap cycle is less than "
                "a third of that figure. Operators can shift some of the output into the "
                "evening by pumping extra water into the basin at high tide when demand is "
                "low.",
                "A tidal lagoon works on the same principle but does not close off an entire "
                "estuary. Instead, a curved wall encloses an area of shallow water along the "
                "shore, leaving the river mouth and its shipping channel open. Lagoons are "
                "often proposed as a gentler alternative to barrages, because they leave more "
                "of the natural tidal flow in place and can be sited away from the most "
                "sensitive habitats. Their walls are long compared with the power they "
                "deliver, however, and the cost of building them in open water has so far kept "
                "most lagoon designs on the drawing board.",
            ),
            facts=("Larnmouth tidal barrage produces 240 megawatts at peak", "28 bulb turbines"),
            flows_over=True,
        ),
        Page(
            heading="3. Effects on Estuaries",
            paragraphs=(
                "Estuaries are among the most productive habitats on any coast, and a barrage "
                "changes them in lasting ways. By holding water back, it reduces the area of "
                "mud and sand that is uncovered at low tide. In the Larnmouth example, the "
                "intertidal mudflats shrank by 14 percent in the first decade of operation. "
                "Those flats are feeding grounds for wading birds such as dunlin and redshank, "
                "which probe the mud for worms and small shellfish.",
                "The water held inside the basin also tends to become clearer, because slower "
                "currents allow silt to settle. Clearer water lets more light reach the "
                "bottom, which can encourage plant growth but also alters which species "
                "thrive. Migratory fish such as salmon and eels must pass through the sluices "
                "or the turbines to reach their spawning grounds, and careful design of fish "
                "passes is needed to keep losses low.",
            ),
            facts=("shrank by 14 percent",),
        ),
        Page(
            heading="4. Tidal Stream Turbines and the Future",
            paragraphs=(
                "Tidal stream turbines look rather like underwater wind turbines. They are "
                "fixed to the seabed or hung beneath floating platforms in places where the "
                "current is strong, and their rotors turn as the water flows past in one "
                "direction and then the other. Because water is roughly eight hundred times "
                "denser than air, a tidal rotor can be far smaller than a wind rotor of the "
                "same rating.",
                "The fictional Corran Sound array, described here as a second example, has 8 "
                "turbines, each with a rotor 18 metres across. The array sits in a channel "
                "where spring tides run at more than four metres per second, and together the "
                "machines supply power to about nine thousand homes on the nearby islands. "
                "Maintenance is the hardest part of running such an array, since divers and "
                "vessels can only work safely during the short period of slack water at the "
                "turn of each tide.",
                "Tidal power is unlikely to match wind or solar in total output, but its "
                "predictability gives it a special value to grid operators. Planners know "
                "today exactly when a tidal plant will generate next week, next month and next "
                "year, which makes it easier to schedule storage and backup supplies around "
                "it.",
            ),
            facts=("Corran Sound array", "8 turbines, each with a rotor 18 metres across"),
        ),
    ),
)

BEEKEEPING = Document(
    filename="urban-beekeeping-guide.pdf",
    title="Urban Beekeeping Guide",
    pages=(
        Page(
            heading="1. Why Keep Bees in the City",
            paragraphs=(
                "Cities can be surprisingly good places for honey bees. Parks, gardens, street "
                "trees and railway embankments offer a long sequence of flowers from early "
                "spring to late autumn, and urban areas are often warmer than the surrounding "
                "countryside. Many town gardens also receive fewer pesticide sprays than large "
                "farms, so foraging bees may meet fewer harmful chemicals on their rounds.",
                "Urban beekeeping does bring responsibilities that rural keepers can sometimes "
                "ignore. Neighbours need to feel safe, so hives should be placed where the "
                "flight path of the bees rises quickly above head height, for example behind a "
                "tall fence or hedge. A shallow water source near the hive stops bees from "
                "visiting ponds, birdbaths and dripping taps next door.",
                "Rooftops are a popular choice for city apiaries because they keep the bees "
                "well away from passers-by. The rooftop apiary on the Halvorsen Library, a "
                "fictional example used in this guide, hosts 12 hives and is looked after by a "
                "team of volunteer keepers. Each hive stands on a weighted stand so that strong "
                "winds at roof level cannot tip it over, and the volunteers reach the roof by "
                "an internal staircase rather than a ladder.",
            ),
            facts=("rooftop apiary on the Halvorsen Library", "hosts 12 hives"),
        ),
        Page(
            heading="2. Inspections Through the Seasons",
            paragraphs=(
                "In spring a colony grows quickly, and the keeper must watch it closely. A full "
                "hive inspection every 7 to 10 days in spring lets the keeper confirm that the "
                "queen is laying, that the brood looks healthy and that the colony still has "
                "enough room. Each inspection should be calm and unhurried, with the frames "
                "lifted gently and returned in the same order.",
                "Swarm season runs from May to early July in most temperate cities. When a "
                "colony feels crowded, the workers raise new queens in special cells that hang "
                "from the bottom edges of the comb, and the old queen leaves with about half of "
                "the bees. A swarm hanging from a lamp post can alarm the public, so city "
                "keepers take particular care to spot queen cells early and split strong "
                "colonies before they swarm.",
                "Through the summer the inspections can become a little less frequent, although "
                "the keeper should still check for disease and for signs of the varroa mite. In "
                "late autumn the hive is closed up for the winter, and inspections stop until "
                "the first warm days of the following year.",
            ),
            facts=("every 7 to 10 days in spring", "Swarm season runs from May to early July"),
        ),
        Page(
            heading="3. Harvesting and Sharing Honey",
            paragraphs=(
                "Honey is taken from the supers, the boxes placed above the brood nest where "
                "the bees store their surplus. A frame is ready when most of its cells have "
                "been capped with a thin layer of wax, which shows that the honey has been "
                "dried to a safe moisture content. A strong urban colony can produce about 25 "
                "kilograms of surplus honey in a good year.",
                "The keeper must always leave enough food for the winter. A colony in a cool "
                "climate needs at least 18 kilograms of honey to survive until spring, and any "
                "shortfall has to be made up by feeding thick sugar syrup in early autumn. "
                "Taking too much honey is one of the most common mistakes made by new keepers.",
                "City honey often has a distinctive flavour because it is gathered from so many "
                "different plants, from lime trees along the avenues to flowering shrubs in "
                "private gardens. At the Halvorsen Library the honey is sold in small jars at "
                "an annual open day, and the money raised pays for new equipment and for "
                "training the next group of volunteers.",
            ),
            facts=("about 25 kilograms of surplus honey", "at least 18 kilograms of honey"),
        ),
    ),
)

SOURDOUGH = Document(
    filename="sourdough-baking-notes.pdf",
    title="Sourdough Baking Notes",
    pages=(
        Page(
            heading="1. Keeping a Starter",
            paragraphs=(
                "A sourdough starter is a living culture of wild yeasts and lactic acid "
                "bacteria kept in a mixture of flour and water. The yeasts produce the gas "
                "that makes the bread rise, while the bacteria produce the acids that give "
                "sourdough its tang and help the loaf keep well. A healthy starter smells "
                "pleasantly sour and roughly doubles in volume within a few hours of a feed.",
                "These notes assume a starter hydration of 100 percent, which means equal "
                "weights of flour and water. A stiffer or looser starter will still work, but "
                "the timings given later would need to be adjusted. Whole rye or whole wheat "
                "flour makes a particularly lively starter because it carries more nutrients "
                "and more of the microbes that live on the grain.",
                "The starter is fed with a feeding ratio of 1:5:5, meaning one part of old "
                "starter to five parts of flour and five parts of water by weight. For example, "
                "20 grams of starter would be mixed with 100 grams of flour and 100 grams of "
                "water. At warm room temperature this mixture peaks after about eight to ten "
                "hours, and that peak is the best moment to use it in a dough.",
            ),
            facts=("starter hydration of 100 percent", "feeding ratio of 1:5:5"),
        ),
        Page(
            heading="2. Mixing the Dough",
            paragraphs=(
                "A simple country loaf uses only flour, water, salt and starter. These notes "
                "use a dough hydration of 75 percent, so that 500 grams of flour is mixed with "
                "375 grams of water. Salt is added at 2 percent of the flour weight, which for "
                "this loaf comes to 10 grams. The starter makes up about a fifth of the flour "
                "weight.",
                "Many bakers begin with a rest called the autolyse, in which only the flour and "
                "water are mixed and left to stand for half an hour. During this rest the flour "
                "absorbs the water fully and the gluten begins to form on its own, so the dough "
                "becomes smoother and easier to handle. The starter and salt are then worked in "
                "by hand, squeezing the dough between the fingers until no dry pockets remain.",
                "The finished dough will feel sticky at first. Resist the urge to add more "
                "flour, because the stickiness fades as the gluten strengthens during the folds "
                "that follow.",
            ),
            facts=("dough hydration of 75 percent", "2 percent of the flour weight"),
        ),
        Page(
            heading="3. Bulk Fermentation",
            paragraphs=(
                "Bulk fermentation is the first long rise, when the whole mass of dough "
                "ferments together in one container. The dough is kept at 24 degrees C for "
                "about 5 hours, although a cooler kitchen will need more time and a warmer one "
                "less. Temperature has a greater effect on the timing than almost anything "
                "else, so a simple thermometer is one of the most useful tools a sourdough "
                "baker can own.",
                "During the first two hours the dough is given four sets of stretch and folds, "
                "spaced 30 minutes apart. For each set, the baker lifts one edge of the dough, "
                "stretches it upward and folds it over the top, then turns the bowl and "
                "repeats on all four sides. The folds build strength without the hard work of "
                "kneading.",
                "Bulk fermentation is finished when the dough has grown by about half, feels "
                "airy and slightly domed, and shows bubbles along the sides of the container. "
                "Judging this by eye and touch matters more than following the clock exactly.",
            ),
            facts=("24 degrees C for about 5 hours", "four sets of stretch and folds"),
        ),
        Page(
            heading="4. Shaping, Proofing and Baking",
            paragraphs=(
                "After bulk fermentation the dough is turned out onto a lightly floured bench, "
                "pre-shaped into a loose round and left to rest for twenty minutes. It is then "
                "given its final shape, either a round boule or an oval batard, and placed seam "
                "side up in a floured basket.",
                "The shaped loaf is given a cold proof in the refrigerator at 4 degrees C "
                "overnight, for roughly 12 to 16 hours. The cold slows the yeast while the "
                "bacteria keep producing flavour, and a chilled dough is also much easier to "
                "score cleanly with a sharp blade just before it goes into the oven.",
                "The loaf is baked in a covered cast iron pot at 250 degrees C for 20 minutes, "
                "so that the steam trapped under the lid keeps the crust soft while the loaf "
                "expands. The lid is then removed and baking continues for a further 20 to 25 "
                "minutes until the crust is a deep brown. Let the bread cool for at least an "
                "hour before slicing, because the crumb is still setting as the steam escapes.",
            ),
            facts=("4 degrees C overnight", "250 degrees C for 20 minutes"),
        ),
    ),
)

DOCUMENTS = (TIDAL, BEEKEEPING, SOURDOUGH)


def _check_document(doc: Document) -> None:
    """Fail early if a fact is missing from its page's text or the text is not latin-1."""
    for number, page in enumerate(doc.pages, start=1):
        text = " ".join((page.heading, *page.paragraphs))
        text.encode("latin-1")
        for fact in page.facts:
            if fact not in text:
                raise ValueError(f"{doc.filename} page {number}: fact {fact!r} not in text")


def _write_paragraph(pdf: FPDF, text: str) -> None:
    pdf.set_font("Helvetica", size=BODY_FONT_SIZE)
    pdf.multi_cell(0, LINE_HEIGHT, text, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(PARAGRAPH_GAP)


def _start_flowing_paragraph_near_bottom(pdf: FPDF) -> None:
    """Move down so only FLOW_LINES_BEFORE_BREAK lines fit before the automatic page break."""
    target_y = pdf.page_break_trigger - FLOW_LINES_BEFORE_BREAK * LINE_HEIGHT - 1
    if pdf.get_y() > target_y:
        raise ValueError("page is too full to start a flowing paragraph near its bottom")
    pdf.set_y(target_y)


def build_pdf(doc: Document) -> FPDF:
    """Lay out ``doc`` and return the unsaved FPDF object."""
    _check_document(doc)
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_creation_date(CREATION_DATE)
    pdf.set_title(doc.title)
    pdf.set_author("tunedd sample data")
    pdf.set_subject("Generated sample document for the tunedd RAG chatbot")
    pdf.set_margins(left=20, top=20, right=20)
    pdf.set_auto_page_break(auto=True, margin=20)

    for number, page in enumerate(doc.pages, start=1):
        if pdf.page < number:
            pdf.add_page()
        else:
            # The previous page's last paragraph flowed onto this page: leave a gap after it.
            pdf.ln(2 * PARAGRAPH_GAP)
        pdf.set_font("Helvetica", style="B", size=HEADING_FONT_SIZE)
        pdf.multi_cell(0, 9, page.heading, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(PARAGRAPH_GAP)

        *body, last = page.paragraphs
        for paragraph in body:
            _write_paragraph(pdf, paragraph)
        if page.flows_over:
            _start_flowing_paragraph_near_bottom(pdf)
        _write_paragraph(pdf, last)

        expected_page = number + 1 if page.flows_over else number
        if pdf.page != expected_page:
            raise ValueError(
                f"{doc.filename}: page {number} ended on PDF page {pdf.page}, "
                f"expected {expected_page}"
            )
    return pdf


def main(argv: list[str] | None = None) -> int:
    """Write every sample document into the output directory and print the paths."""
    args = sys.argv[1:] if argv is None else argv
    output_dir = Path(args[0]) if args else DEFAULT_OUTPUT_DIR
    output_dir.mkdir(parents=True, exist_ok=True)
    for doc in DOCUMENTS:
        path = output_dir / doc.filename
        build_pdf(doc).output(str(path))
        print(f"wrote {path} ({len(doc.pages)} pages)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
