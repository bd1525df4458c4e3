{#- The answers that count: the newest accepted checklist of each municipality and wave (the
    raw table holds only that version), of municipalities registered for the wave, on items
    asked in the wave. The note stays behind: no mart carries it. -#}
with

answers as (

    select * from {{ ref('stg_esf__process_checklist') }}

),

registered as (

    select * from {{ ref('int_process_municipality_waves') }}

),

asked as (

    select * from {{ ref('int_process_items_asked') }}

)

select
    answers.wave,
    answers.municipality_id,
    answers.item_id,
    answers.status,
    answers.responsibility,
    asked.item_order
from answers
inner join registered
    on answers.wave = registered.wave
        and answers.municipality_id = registered.municipality_id
inner join asked
    on answers.wave = asked.wave
        and answers.item_id = asked.item_id
