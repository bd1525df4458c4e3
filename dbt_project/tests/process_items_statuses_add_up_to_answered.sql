{#- process_items: the four statuses of an item add up to the municipalities answering it,
    who are no more than those registered, and every share lies in 0–1. Rows returned =
    breaches. -#}
{{ config(severity='error', meta={'dagster': {'ref': {'name': 'process_items'}}}) }}

with

items as (

    select * from {{ ref('process_items') }}

)

select
    wave,
    item_id,
    sum(count) filter (where status <> 'answered') as sum_of_statuses,
    max(municipalities_answering) as municipalities_answering,
    max(municipalities_registered) as municipalities_registered
from items
group by wave, item_id
having sum(count) filter (where status <> 'answered') <> max(municipalities_answering)
    or max(municipalities_answering) > max(municipalities_registered)
    or max(share) > 1
    or min(share) < 0
