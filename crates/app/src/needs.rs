//! Sourcing needs: what a lead enterprise wants to buy, from draft to fulfilled.
