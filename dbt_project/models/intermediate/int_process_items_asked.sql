{#- The checklist items asked in each survey wave (first_wave ≤ wave ≤ last_wave, last_wave
    empty = still asked), in the catalogue's order. -#}
with

waves as (

    select * from {{ ref('int_process_waves') }}

),

items as (

    select * from {{ ref('stg_esf__checklist_items') }}

)

select
    waves.wave,
    items.item_id,
    items.item_order,
    items.section,
    items.asks_responsibility
from waves
inner join items
    on waves.wave >= items.first_wave
        and (waves.wave <= items.last_wave or items.last_wave is null)
