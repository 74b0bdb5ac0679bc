"""Charts that ship with chartspec; each module registers its charts with @chart."""
