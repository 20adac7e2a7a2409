# slides.mk - render every chapter's slide deck; included by the top Makefile.
#
#   make slides        slides/NN-*.md  -> $(BUILD)/slides/NN-*.html, one
#                      self-contained file per deck (diagrams from
#                      slides/diagrams/NN-*.dot drawn by dot and embedded)
#   make test-slides   open each deck in headless Chromium: TAP, a PNG of
#                      the first slide in $(BUILD)/slides/NN-*.png, and
#                      "slides: N passed, N failed"
#   make deps-slides   install the Debian packages the two targets need
#
# A deck refers to its diagrams as diagrams/NN-name.svg; pandoc finds them in
# $(BUILD)/slides because of --resource-path. pandoc's dzslides writer is used
# because its template carries its own script and style: the HTML opens from
# a USB stick with no network, which the reveal.js and slidy writers cannot.
#
# Every variable here starts with SLIDES_; BUILD comes from the top Makefile.

# The folder this file is in, so the fragment works from any including file.
SLIDES_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
SLIDES_TOOLS := $(patsubst ./%,%,$(dir $(SLIDES_DIR))tools/slides)
SLIDES_OUT := $(or $(BUILD),build)/slides
SLIDES_CSS := $(SLIDES_TOOLS)/deck.css

# python3 runs the DevTools client; the font draws the article's Chinese.
SLIDES_DEPS := pandoc graphviz chromium python3 fonts-wqy-microhei

SLIDES_PANDOC ?= pandoc
# pandoc 2.19 renamed --self-contained to --embed-resources and warns about
# the old name, which --fail-if-warnings would turn into a failure (Ubuntu
# 24.04 ships pandoc 3). Ask pandoc once, and only when a deck is built.
SLIDES_EMBED = $(eval SLIDES_EMBED := $(shell $(SLIDES_PANDOC) --help 2>/dev/null | \
	grep -q -e --embed-resources && echo --embed-resources || echo --self-contained))$(SLIDES_EMBED)
SLIDES_DOT ?= dot
SLIDES_CHROMIUM ?= chromium
export SLIDES_CHROMIUM

SLIDES_MD := $(sort $(wildcard $(SLIDES_DIR)/[0-9][0-9]-*.md))
SLIDES_DOTS := $(sort $(wildcard $(SLIDES_DIR)/diagrams/[0-9][0-9]-*.dot))
SLIDES_HTML := $(patsubst $(SLIDES_DIR)/%.md,$(SLIDES_OUT)/%.html,$(SLIDES_MD))
SLIDES_SVG := $(patsubst $(SLIDES_DIR)/diagrams/%.dot,$(SLIDES_OUT)/diagrams/%.svg,$(SLIDES_DOTS))

.PHONY: slides test-slides deps-slides clean-slides

slides: $(SLIDES_HTML) ## render every deck to self-contained HTML in build/slides/

# Write to a temporary name and rename, so an interrupted run never leaves a
# half-written file that make would take as up to date.
$(SLIDES_OUT)/diagrams/%.svg: $(SLIDES_DIR)/diagrams/%.dot
	@command -v $(SLIDES_DOT) >/dev/null || { echo "slides: $(SLIDES_DOT) not found: make deps-slides" >&2; exit 1; }
	@mkdir -p $(@D)
	$(SLIDES_DOT) -Tsvg -o $@.tmp $<
	@mv $@.tmp $@

# A picture pandoc cannot find already stops it; --fail-if-warnings also stops
# it on what it would only warn about and carry on past, such as a deck with
# no title or math it cannot convert. check-offline.sh then proves that
# nothing in the result comes from the network.
$(SLIDES_OUT)/%.html: $(SLIDES_DIR)/%.md $(SLIDES_CSS) $(SLIDES_TOOLS)/check-offline.sh
	@command -v $(SLIDES_PANDOC) >/dev/null || { echo "slides: $(SLIDES_PANDOC) not found: make deps-slides" >&2; exit 1; }
	@mkdir -p $(@D)
	$(SLIDES_PANDOC) --from=markdown --to=dzslides --standalone $(SLIDES_EMBED) \
		--fail-if-warnings --css=$(SLIDES_CSS) \
		--resource-path=$(SLIDES_OUT):$(SLIDES_DIR) -o $@.tmp $<
	@$(SLIDES_TOOLS)/check-offline.sh $@.tmp
	@mv $@.tmp $@

# Deck NN-x.html embeds the diagrams named NN-*.svg: rebuild it when they change.
$(foreach h,$(SLIDES_HTML),$(eval $(h): $(filter $(SLIDES_OUT)/diagrams/$(firstword $(subst -, ,$(notdir $(h))))-%,$(SLIDES_SVG))))

test-slides: slides ## open every deck in headless Chromium: no errors, a screenshot
	@$(SLIDES_TOOLS)/test-decks.sh $(SLIDES_OUT) $(SLIDES_HTML)

deps-slides: ## install pandoc, graphviz, chromium (make deps does too)
	@$(SLIDES_TOOLS)/deps.sh $(SLIDES_DEPS)

clean-slides:
	rm -rf $(SLIDES_OUT)
